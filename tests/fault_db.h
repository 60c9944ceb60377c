// A store::Database wrapper that fails chosen statements, for proving that failed transactions
// leave nothing behind.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "store/db.h"

namespace stm::testing {

class FaultInjectingDatabase final : public store::Database {
 public:
  explicit FaultInjectingDatabase(std::unique_ptr<store::Database> inner) : inner_(std::move(inner)) {}

  // Statements containing `fragment` fail with kUnavailable until cleared ("" clears).
  void FailStatementsContaining(std::string fragment) {
    std::lock_guard lock(mu_);
    fragment_ = std::move(fragment);
  }
  int failures() const { return failures_.load(); }

  Result<std::unique_ptr<store::Tx>> Begin(store::TxMode mode) override {
    STM_ASSIGN_OR_RETURN(auto tx, inner_->Begin(mode));
    return std::unique_ptr<store::Tx>(new FaultTx(this, std::move(tx)));
  }
  Status Backup(const std::string& path) override { return inner_->Backup(path); }
  std::string_view dialect() const override { return inner_->dialect(); }
  void Close() override { inner_->Close(); }

 private:
  class FaultTx final : public store::Tx {
   public:
    FaultTx(FaultInjectingDatabase* db, std::unique_ptr<store::Tx> inner)
        : db_(db), inner_(std::move(inner)) {}
    Result<int64_t> Exec(std::string_view sql, const store::Params& p) override {
      STM_RETURN_IF_ERROR(db_->Check(sql));
      return inner_->Exec(sql, p);
    }
    Result<std::vector<store::Row>> Query(std::string_view sql, const store::Params& p) override {
      STM_RETURN_IF_ERROR(db_->Check(sql));
      return inner_->Query(sql, p);
    }
    Status ExecScript(std::string_view sql) override {
      STM_RETURN_IF_ERROR(db_->Check(sql));
      return inner_->ExecScript(sql);
    }
    Status Commit() override { return inner_->Commit(); }
    store::TxMode mode() const override { return inner_->mode(); }

   private:
    FaultInjectingDatabase* db_;
    std::unique_ptr<store::Tx> inner_;
  };

  Status Check(std::string_view sql) {
    std::lock_guard lock(mu_);
    if (!fragment_.empty() && sql.find(fragment_) != std::string_view::npos) {
      ++failures_;
      return Status::Unavailable("injected fault: " + fragment_);
    }
    return Status::Ok();
  }

  std::unique_ptr<store::Database> inner_;
  std::mutex mu_;
  std::string fragment_;
  std::atomic<int> failures_{0};
};

}  // namespace stm::testing
