#include "rowset.hpp"

#include <initializer_list>

#include "guard.hpp"
#include "postgres.hpp"

namespace sora::pg {

namespace {

constexpr std::int64_t kUnbounded = -1;

struct Walk {
  ParamListInfo params;
  List* subplans;          // the statement's CTE and subquery plans, by plan id - 1
  Oid function;            // the set-returning function being called
  std::int64_t max_rows;   // the most rows one call of it returns
  bool* cte_followed;      // palloc'd, one per subplan: reached through a CteScan
};

std::int64_t times(std::int64_t a, std::int64_t b) {
  return a == kUnbounded || b == kUnbounded ? kUnbounded : a * b;
}

// The value of a LIMIT or OFFSET expression when the plan fixes it (a constant, or a
// parameter of the statement); kUnbounded for NULL (no limit). False when it is not fixed.
bool fixed_value(Node* expression, ParamListInfo params, std::int64_t* value) {
  if (expression == nullptr) {
    *value = kUnbounded;
    return true;
  }
  if (IsA(expression, Const) && castNode(Const, expression)->consttype == INT8OID) {
    auto* constant = castNode(Const, expression);
    *value = constant->constisnull ? kUnbounded : DatumGetInt64(constant->constvalue);
    return true;
  }
  if (IsA(expression, Param) && castNode(Param, expression)->paramkind == PARAM_EXTERN &&
      castNode(Param, expression)->paramtype == INT8OID && params != nullptr) {
    int id = castNode(Param, expression)->paramid;
    ParamExternData workspace;
    ParamExternData* param = nullptr;
    if (params->paramFetch != nullptr) {
      param = params->paramFetch(params, id, false, &workspace);
    } else if (id >= 1 && id <= params->numParams) {
      param = &params->params[id - 1];
    }
    if (param == nullptr) return false;
    *value = param->isnull ? kUnbounded : DatumGetInt64(param->value);
    return true;
  }
  return false;
}

// At most how many rows a plan returns, when that is evident (one row of a function that
// is not set-returning, of a Result without input, under a LIMIT, and their nested-loop
// products: PostgREST's one-row request body); kUnbounded otherwise.
std::int64_t row_bound(Plan* plan, const Walk& walk) {
  if (plan == nullptr) return kUnbounded;
  switch (nodeTag(plan)) {
    case T_Result:
      return plan->lefttree == nullptr ? 1 : row_bound(plan->lefttree, walk);
    case T_SubqueryScan:
      return row_bound(castNode(SubqueryScan, plan)->subplan, walk);
    case T_NestLoop:
      return times(row_bound(plan->lefttree, walk), row_bound(plan->righttree, walk));
    case T_FunctionScan: {
      ListCell* cell;
      foreach (cell, castNode(FunctionScan, plan)->functions) {
        Node* call = lfirst_node(RangeTblFunction, cell)->funcexpr;
        if (!IsA(call, FuncExpr) || castNode(FuncExpr, call)->funcretset) return kUnbounded;
      }
      return 1;
    }
    case T_Limit: {
      std::int64_t count = kUnbounded;
      std::int64_t below = row_bound(plan->lefttree, walk);
      if (!fixed_value(castNode(Limit, plan)->limitCount, walk.params, &count) || count < 0) {
        return below;
      }
      return below == kUnbounded || count < below ? count : below;
    }
    default:
      return kUnbounded;
  }
}

bool names_function(Node* node, void* function) {
  if (node == nullptr) return false;
  if (IsA(node, FuncExpr) && castNode(FuncExpr, node)->funcid == *static_cast<Oid*>(function)) {
    return true;
  }
  // The walker's C type is unprototyped; the cast goes through void (*)(void), the one
  // function pointer type any other may be converted to and from.
  auto* walker = reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(names_function));
  return expression_tree_walker(node, walker, function);
}

bool calls_function(Plan* plan, Oid function) {
  ListCell* cell;
  foreach (cell, castNode(FunctionScan, plan)->functions) {
    Node* call = lfirst_node(RangeTblFunction, cell)->funcexpr;
    if (IsA(call, FuncExpr) && castNode(FuncExpr, call)->funcid == function) return true;
  }
  return false;
}

// Whether a plan holds the call, and if so whether all its rows reach this plan's output,
// and how many rows of it can (an upper bound, for a LIMIT above).
enum class Found { kNo, kWhole, kCut };
struct Path {
  Found found = Found::kNo;
  std::int64_t rows = 0;
};
constexpr Path kCut{Found::kCut, 0};

Path follow(Plan* plan, Walk& walk);

Path follow_plan_id(int plan_id, Walk& walk) {
  if (plan_id < 1 || plan_id > list_length(walk.subplans)) return kCut;
  walk.cte_followed[plan_id - 1] = true;
  return follow(static_cast<Plan*>(list_nth(walk.subplans, plan_id - 1)), walk);
}

Path follow(Plan* plan, Walk& walk) {
  if (plan == nullptr) return {};
  if (IsA(plan, FunctionScan) && calls_function(plan, walk.function)) {
    return plan->qual != NIL ? kCut : Path{Found::kWhole, walk.max_rows};
  }
  // In a select list (SELECT claim_video_jobs(5)): its rows for each row of the input.
  if (IsA(plan, ProjectSet) && names_function(reinterpret_cast<Node*>(plan->targetlist), &walk.function)) {
    if (plan->qual != NIL || follow(plan->lefttree, walk).found != Found::kNo) return kCut;
    return {Found::kWhole, times(walk.max_rows, row_bound(plan->lefttree, walk))};
  }
  Path left = follow(plan->lefttree, walk);
  Path right = follow(plan->righttree, walk);
  Path inside;
  if (IsA(plan, SubqueryScan)) inside = follow(castNode(SubqueryScan, plan)->subplan, walk);
  if (IsA(plan, CteScan)) inside = follow_plan_id(castNode(CteScan, plan)->ctePlanId, walk);
  int holding = 0;
  Path below;
  for (const Path& child : {left, right, inside}) {
    if (child.found == Found::kCut) return kCut;
    if (child.found == Found::kWhole) {
      ++holding;
      below = child;
    }
  }
  if (holding == 0) return {};
  if (holding > 1 || plan->qual != NIL) return kCut;
  switch (nodeTag(plan)) {
    case T_Sort:
    case T_IncrementalSort:
    case T_Agg:
    case T_Material:
    case T_ModifyTable:
    case T_SubqueryScan:
    case T_CteScan:
      return below;
    case T_Result:
      return castNode(Result, plan)->resconstantqual == nullptr ? below : kCut;
    case T_Limit: {
      std::int64_t count = kUnbounded, offset = kUnbounded;
      auto* limit = castNode(Limit, plan);
      if (!fixed_value(limit->limitOffset, walk.params, &offset) || offset > 0) return kCut;
      if (!fixed_value(limit->limitCount, walk.params, &count)) return kCut;
      bool keeps_all = count == kUnbounded || (below.rows != kUnbounded && count >= below.rows);
      return keeps_all ? below : kCut;
    }
    case T_NestLoop: {
      // Each row of the inner side is joined to the current outer row; with no join
      // condition, an inner (or left) join passes every inner row on. A left join passes
      // every outer row on.
      auto* join = castNode(NestLoop, plan);
      if (right.found == Found::kWhole &&
          (join->join.jointype == JOIN_INNER || join->join.jointype == JOIN_LEFT) &&
          join->join.joinqual == NIL) {
        return {Found::kWhole, times(below.rows, row_bound(plan->lefttree, walk))};
      }
      if (left.found == Found::kWhole && join->join.jointype == JOIN_LEFT) {
        return {Found::kWhole, times(below.rows, row_bound(plan->righttree, walk))};
      }
      return kCut;
    }
    default:
      return kCut;  // a hash or merge join, an append, a window...: not known to keep every row
  }
}

}  // namespace

bool rows_may_be_dropped(FunctionCallInfo fcinfo, std::int64_t max_rows) {
  return guarded([&] {
    auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    if (rsinfo == nullptr || !IsA(rsinfo, ReturnSetInfo) || rsinfo->econtext == nullptr ||
        rsinfo->econtext->ecxt_estate == nullptr ||
        rsinfo->econtext->ecxt_estate->es_plannedstmt == nullptr) {
      return false;
    }
    EState* estate = rsinfo->econtext->ecxt_estate;
    PlannedStmt* statement = estate->es_plannedstmt;
    Walk walk{estate->es_param_list_info, statement->subplans, fcinfo->flinfo->fn_oid, max_rows,
              static_cast<bool*>(palloc0(sizeof(bool) * (list_length(statement->subplans) + 1)))};
    Path main = follow(statement->planTree, walk);
    if (main.found == Found::kCut) return true;
    if (main.found == Found::kWhole) return false;
    // Called from a subquery in an expression, which may read only some of its rows
    // (EXISTS, a scalar subquery): whole only under a plain aggregate, which reads them all.
    for (int id = 1; id <= list_length(statement->subplans); ++id) {
      if (walk.cte_followed[id - 1]) continue;
      auto* subplan = static_cast<Plan*>(list_nth(statement->subplans, id - 1));
      Path path = follow(subplan, walk);
      if (path.found == Found::kNo) continue;
      bool plain_aggregate = IsA(subplan, Agg) && castNode(Agg, subplan)->aggstrategy == AGG_PLAIN;
      return path.found == Found::kCut || !plain_aggregate;
    }
    return true;  // called from somewhere in the statement this walk does not follow
  });
}

}  // namespace sora::pg
