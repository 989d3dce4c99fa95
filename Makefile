# The usual PGXS commands, from the top of the tree (pgxn install and Debian's pg_buildext
# run these too):
#   make && sudo make install    build and install the extension
#   make installcheck            test it on the running server (see Makefile.pgxs)
# Everything is in Makefile.pgxs, which `make -f Makefile.pgxs ...` also reads directly.
include Makefile.pgxs
