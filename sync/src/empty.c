/* empty.c - keeps the sync client and office libraries non-empty while they are built up. */
typedef int sy__empty_unit;
