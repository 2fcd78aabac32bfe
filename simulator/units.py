"""Units of time shared by every module: a year is 365 days, a week 7."""

DAYS_PER_YEAR = 365.0
DAYS_PER_WEEK = 7.0
WORKING_DAYS_A_WEEK = 5.0
BANK_HOLIDAYS_A_YEAR = 8.0
