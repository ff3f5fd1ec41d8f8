"""Moving records in and out of spreadsheets: xlsx and csv, through the form engine."""
