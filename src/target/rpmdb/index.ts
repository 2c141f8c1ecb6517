/** rpm databases read through a Target: sqlite, Berkeley DB hash and ndb, and the header blobs they hold. */
export { RpmHeader, RpmHeaderError, RPMTAG, RPM_TYPE, HEADER_DATA_MAX, HEADER_TAGS_MAX } from './header.js';
export { rpmFileList, filePaths, RPMFILE, RPMVERIFY, RPMFILE_STATE, PGPHASHALGO, type RpmFile } from './files.js';
export {
  findRpmDatabase,
  readRpmDatabase,
  RpmDbError,
  RPMDB_DIRS,
  RPMDB_FILES,
  type RpmDbFormat,
  type RpmDatabaseLocation,
  type ReadRpmDbOptions,
  type RpmBadHeader,
} from './database.js';
export { parsePackageFile, RPMSIGTAG, type RpmPackageFile } from './package-file.js';
