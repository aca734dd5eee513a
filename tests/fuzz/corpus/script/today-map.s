# Today -> unit map -> GNSS -> back, pan and zoom on the map
wait-for @unit:622901ZR000002
screenshot today.png
tap @unit:622901ZR000002
wait-for @map
tap @gnss
wait 500
tap @back
pinch 900 600 2
drag 900 600 700 500
tap @zoom-unit
quit
