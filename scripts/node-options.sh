# shellcheck shell=sh
# Sourced (POSIX sh) wherever a Fangyi process is started: npm start, npm run start:distributed, the
# image's entry point (scripts/with-node-options.sh) and bench:http. It sizes the V8 heap for a
# server that allocates fast and keeps little (README, "Measured", HTTP load, _Memory_):
# - a semi-space of 16 MB instead of the 64 MB Node 24 gives on a machine with 4 GB or more (the
#   young generation alone was 128 MB of every busy process's resident set);
# - an old-space limit of 1 GB, which also makes V8 grow the old generation by about 1.5 times what
#   survives a full collection instead of up to 4 times (1 GB is well above what the embedded
#   read models hold at a district's size; past it the process stops with a heap out of memory);
# - two malloc arenas instead of glibc's eight per core, for the native side (SQLite, zlib, TLS).
# A NODE_OPTIONS or MALLOC_ARENA_MAX already set comes after these and wins (e.g. a larger
# --max-old-space-size for a very large embedded history).
NODE_OPTIONS="--max-semi-space-size=16 --max-old-space-size=1024${NODE_OPTIONS:+ $NODE_OPTIONS}"
MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
export NODE_OPTIONS MALLOC_ARENA_MAX
