pinch 1 2 1000
