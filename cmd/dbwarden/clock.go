package main

import "time"

// timeNow is the CLI's clock; tests may replace it.
var timeNow = time.Now
