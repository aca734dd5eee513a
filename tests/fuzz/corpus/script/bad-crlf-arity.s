drag 1 2 3
quit
