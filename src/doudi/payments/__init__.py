"""Monthly payrolls, bank files, returns, arrears and recovery, and the fund ledger."""
