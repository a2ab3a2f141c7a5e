package audit

// ForgetUncatalogued lets the strict-mode test clean up after itself.
var ForgetUncatalogued = forgetUncatalogued
