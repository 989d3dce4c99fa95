// Header firewall: only src/pg (and the entry points in src/entry.cpp) may see PostgreSQL.
// Every .cpp of src/core, src/api and src/bgworker includes this file after all its other
// includes; if anything it pulled in was a PostgreSQL header, the build stops here. Those
// directories are also compiled without the server's include path (CMake for the core,
// Makefile.pgxs for all three), so a PostgreSQL header cannot even be found there: src/api
// and src/bgworker reach the server only through the functions of src/pg, whose headers
// name PostgreSQL's types only opaquely (src/pg/types.hpp).
#pragma once

#if defined(POSTGRES_H) || defined(PG_VERSION_NUM)
#error "PostgreSQL headers are for src/pg only: call a function of src/pg instead"
#endif
