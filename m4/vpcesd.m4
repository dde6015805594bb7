dnl SPDX-License-Identifier: ISC
dnl VPCESD_ADD_CFLAGS(VAR, FLAGS)
dnl Append to VAR each flag of FLAGS that the C compiler accepts without a
dnl warning, so one list serves gcc and clang of different ages.
AC_DEFUN([VPCESD_ADD_CFLAGS], [
  for vpcesd_flag in $2; do
    AS_VAR_PUSHDEF([vpcesd_cache], [vpcesd_cv_cflag_$vpcesd_flag])
    AC_CACHE_CHECK([whether $CC accepts $vpcesd_flag], [vpcesd_cache], [
      vpcesd_save_CFLAGS="$CFLAGS"
      vpcesd_save_LDFLAGS="$LDFLAGS"
      CFLAGS="$CFLAGS -Werror $vpcesd_flag"
      LDFLAGS="$LDFLAGS $vpcesd_flag"
      AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
        [AS_VAR_SET([vpcesd_cache], [yes])], [AS_VAR_SET([vpcesd_cache], [no])])
      CFLAGS="$vpcesd_save_CFLAGS"
      LDFLAGS="$vpcesd_save_LDFLAGS"
    ])
    AS_VAR_IF([vpcesd_cache], [yes], [$1="$$1 $vpcesd_flag"])
    AS_VAR_POPDEF([vpcesd_cache])
  done
])

dnl VPCESD_PKG(PREFIX, MODULE-SPEC, DEBIAN-PACKAGE)
dnl A required pkg-config dependency; failure names the package to install.
AC_DEFUN([VPCESD_PKG], [
  PKG_CHECK_MODULES([$1], [$2], [],
    [AC_MSG_ERROR([$2 not found: apt-get install $3])])
])
