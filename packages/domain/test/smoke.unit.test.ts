import t from 'tap';
import { hello } from '@parley/domain';
t.equal(hello(1), 'hi 1');
