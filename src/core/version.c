/* SPDX-License-Identifier: MIT */
/* The version of the library that is linked, as opposed to the headers a
 * program was compiled with (COGEN_VERSION). */
#include <cogen.h>

int cogen_version(void)
{
    return COGEN_VERSION;
}

const char *cogen_version_string(void)
{
    return COGEN_VERSION_STRING;
}
