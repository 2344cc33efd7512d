"""Writers and the publish transaction: iCal feeds, pages, reports, links, output, serve."""
