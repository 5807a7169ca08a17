/* <sys/stat.h>, with the POSIX file-type tests that MSVC lacks: it has the type bits (S_IFMT,
 * S_IFREG, ..., or only their _S_ spellings) but none of the S_IS* macros. MinGW and every POSIX
 * system define them, and then this adds nothing. */
#ifndef DFU_CORE_STAT_H
#define DFU_CORE_STAT_H

#include <sys/stat.h>

#if !defined(S_IFMT) && defined(_S_IFMT)
#define S_IFMT _S_IFMT
#endif
#if !defined(S_IFREG) && defined(_S_IFREG)
#define S_IFREG _S_IFREG
#endif
#if !defined(S_IFDIR) && defined(_S_IFDIR)
#define S_IFDIR _S_IFDIR
#endif
#if !defined(S_IFCHR) && defined(_S_IFCHR)
#define S_IFCHR _S_IFCHR
#endif

#ifndef S_ISREG
#define S_ISREG(m) (((m)&S_IFMT) == S_IFREG)
#endif
#ifndef S_ISDIR
#define S_ISDIR(m) (((m)&S_IFMT) == S_IFDIR)
#endif
#ifndef S_ISCHR
#define S_ISCHR(m) (((m)&S_IFMT) == S_IFCHR)
#endif

#endif
