/*-------------------------------------------------------------------------
 *
 * catalog_version.h
 *	  Is the extension installed in this database at the version whose SQL
 *	  objects this library serves?  (src/catalog_version.c)
 *
 *-------------------------------------------------------------------------
 */
#ifndef CATALOG_VERSION_H
#define CATALOG_VERSION_H

/* The version in swisper_ext.control when the library was built. */
#ifndef SWISPER_EXT_VERSION
#error "SWISPER_EXT_VERSION must be defined (the Makefile passes default_version)"
#endif

/*
 * True once this backend knows for good that the extension is current (a
 * committed pg_extension row of this version): the type's comparisons, run
 * millions of times, test this flag before calling anything.
 */
extern bool catalog_version_current_for_backend;

extern bool catalog_version_is_current(char **installed);
extern void catalog_version_require(void);

#endif							/* CATALOG_VERSION_H */
