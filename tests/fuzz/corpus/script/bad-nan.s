tap nan inf
