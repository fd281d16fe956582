import { expandOrigin, glibcSystemDirs, libcOf, libraryPathOf } from '../../../src/verify/binaries/loader-path.js';

describe('the loader search path', () => {
  test('glibc system directories follow the loader: Debian tuple dirs, Fedora lib64, or plain lib', () => {
    expect(glibcSystemDirs('arm64', '/usr/lib/aarch64-linux-gnu')).toEqual(['/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib', '/usr/lib']);
    expect(glibcSystemDirs('amd64', '/usr/lib64')).toEqual(['/lib64', '/usr/lib64']);
    expect(glibcSystemDirs('arm', '/lib')).toEqual(['/lib', '/usr/lib']);
    expect(glibcSystemDirs('amd64')).toEqual(['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib']);
  });

  test('$ORIGIN, ${ORIGIN} and $LIB expand; $PLATFORM entries are dropped; relative entries are from /', () => {
    expect(expandOrigin(['$ORIGIN/../lib', '${ORIGIN}', 'rel/dir', '/opt/$PLATFORM/lib'], '/app/bin', 'amd64')).toEqual(['/app/lib', '/app/bin', '/rel/dir']);
    expect(expandOrigin(['/opt/$LIB'], '/x', 'arm64')).toEqual(['/opt/lib/aarch64-linux-gnu', '/opt/lib64', '/opt/lib']);
  });

  test('LD_LIBRARY_PATH from the image environment, and which libc', () => {
    expect(libraryPathOf(['PATH=/bin', 'LD_LIBRARY_PATH=/a:/b', 'LD_LIBRARY_PATH=/opt/lib::rel'])).toEqual(['/opt/lib']);
    expect(libcOf('/lib/ld-musl-x86_64.so.1')).toBe('musl');
    expect(libcOf('/lib64/ld-linux-x86-64.so.2')).toBe('glibc');
    expect(libcOf(undefined)).toBe('glibc');
  });
});
