// Preload for durability-sqlite.test.ts's switch process (node --import): while the file named by
// $POS_TEST_FAIL_SYNC exists, fdatasync fails with EIO (a disk fault, without a faulty disk).
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const real = fs.fdatasync;
const flag = process.env.POS_TEST_FAIL_SYNC;
fs.fdatasync = (fd, done) => {
  if (!flag || !fs.existsSync(flag)) return real(fd, done);
  const error = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO', errno: -5, syscall: 'fdatasync' });
  process.nextTick(done, error);
};
syncBuiltinESMExports();
