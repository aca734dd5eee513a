tap @sign
tap @party-add
type 东坪村民委员会
tap @text-ok
tap @party:0:present
tap @party:0:sign
drag-in @pad 0.1 0.5 0.9 0.5
drag-in @pad 0.5 0.1 0.5 0.9
tap @signer
type 马某
tap @text-ok
tap @role
tap @pick:0
tap @pad-save
long-press @unit:622901ZR000002
tap 120 40
	wait 0
quit
