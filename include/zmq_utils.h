/*
 * zmq_utils.h: kept only so that old programs that include it still build.
 *
 * SPDX-License-Identifier: MPL-2.0
 *
 * Everything it used to declare is in zmq.h. As in libzmq 4.3, this header
 * declares nothing (include zmq.h) and only tells the programmer that it is
 * deprecated. GCC and MSVC print #pragma message as a note, which never fails
 * a build. Clang reports it as a warning, which -Werror would turn into an
 * error, so clang (and any other compiler) gets a silent, empty header.
 */

#if (defined __GNUC__ && !defined __clang__) || defined _MSC_VER
#pragma message(                                                               \
  "Warning: zmq_utils.h is deprecated. All its functionality is provided by zmq.h.")
#endif
