type	tabbed text
type   
