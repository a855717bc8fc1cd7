/* log.h - levelled logging to stderr, one line per event.
 *
 * Each .c file defines LOG_MODULE before including this header. The macros
 * test the level before evaluating their arguments, so a disabled debug line
 * costs one comparison. Never log tokens, passwords or message bodies. */
#ifndef TRIBU_LOG_H
#define TRIBU_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern int log_level_current;
void log_set_level(int level);
/* Parses "error|warn|info|debug"; -1 when unknown. */
int log_level_parse(const char *s);
void log_write(int level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define LOG_AT(lvl, ...) \
	do { if ((lvl) <= log_level_current) log_write((lvl), LOG_MODULE, __VA_ARGS__); } while (0)
#define log_error(...) LOG_AT(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  LOG_AT(LOG_WARN, __VA_ARGS__)
#define log_info(...)  LOG_AT(LOG_INFO, __VA_ARGS__)
#define log_debug(...) LOG_AT(LOG_DEBUG, __VA_ARGS__)

#endif
