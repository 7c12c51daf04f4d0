module certscrape.local/go-oracle

go 1.19
