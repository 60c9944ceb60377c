// `stm licences list|sweep`: licences as an administrator sees them, and the expiry / appeal-window sweep
// the server runs periodically (for deployments that run it from cron instead).
#pragma once

#include <string>

#include "common/config.h"

namespace stm::cli {

// Prints {"items": [licence...]} (newest first), optionally of one status. Exit 2 for an unknown status.
int RunLicencesList(const Config& config, const std::string& status);
// Prints {"licences_expired": [...], "appeal_windows_closed": [...]}; audited as "cli".
int RunLicencesSweep(const Config& config);

}  // namespace stm::cli
