export { hashPassword, hashToken, newToken, safeEqual, tokenPrefix, verifyPassword } from '@parley/access';
