tap @
wait -1
