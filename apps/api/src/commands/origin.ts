export { checkOrigin } from '@parley/access';
