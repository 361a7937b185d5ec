"""`Patient/$merge` and `Patient/$unmerge`, registered in the app's operation registry.

`$merge` takes the R5 parameters (https://build.fhir.org/patient-operation-merge.html):
`source-patient` or `source-patient-identifier`, `target-patient` or
`target-patient-identifier`, `result-patient`, `preview`; it answers `input`, `outcome`,
`result` (the target Patient) and, beyond R5, `provenance` (the merge's record).
`$unmerge` takes `provenance` (that record) or `source-patient` and `target-patient`
(their latest merge) and answers the same shape.

Both run through the access layer's `run_as_server`: the caller must be a data steward
or the operator, and the work (which re-points clinical records the steward cannot see
and writes a Provenance only the server writes) runs with the server's authority in one
unit of work, with one audit entry naming both residents. The domain logic, the one
merge (the steward's review page calls it too), is in `hoso.identity.merge`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hoso.fhir.operations import (
    OperationContext,
    OperationDefinition,
    OperationParameter,
    OperationParams,
)
from hoso.fhir.store import Session
from hoso.identity.merge import MergeOutcome, find_merge, merge_patients, unmerge_patients
from hoso.identity.merge_params import (
    MERGE_IN,
    UNMERGE_IN,
    MergeRequest,
    UnmergeRequest,
    check_result_patient,
    exists,
    param_path,
    parse_merge,
    parse_unmerge,
    require_post,
    resolve,
    response,
)

__all__ = ["MERGE_OPERATIONS", "Merge", "Unmerge"]

BASE = "https://fhir.hoso.hochiminhcity.gov.vn/OperationDefinition"
ServerWork = Callable[[Any, dict[str, Any] | None], MergeOutcome]


def _out(name: str, type_: str, doc: str, min_: int = 0) -> OperationParameter:
    return OperationParameter(name, "out", min_, "1", type_, doc)


_RESULT_OUT = (
    _out("input", "Parameters", "Tham số đã nhận / The input parameters", 1),
    _out("outcome", "OperationOutcome", "Kết quả, cảnh báo / Outcome and warnings", 1),
    _out("result", "Patient", "Người bệnh đích sau thao tác / The target Patient after it"),
    _out("provenance", "Reference", "Bản ghi Provenance của thao tác / Its Provenance record"),
)


def _as_server(repo: Any, operation: str, work: ServerWork) -> MergeOutcome:
    """Through the caller's access layer, always: it decides who may and audits it."""
    result: MergeOutcome = repo.run_as_server(operation, f"Patient/${operation}", work)
    return result


def _cccd_system(session: Session) -> str:
    return session.settings.cccd_system


# -- $merge -----------------------------------------------------------------------------
class Merge:
    DEFINITION = OperationDefinition(
        name="merge",
        title="Gộp hai hồ sơ người bệnh / Merge two patient records",
        description=(
            "Gộp hồ sơ nguồn vào hồ sơ đích: mọi tài nguyên trỏ tới người bệnh nguồn được "
            "trỏ sang người bệnh đích, hồ sơ nguồn ngừng hoạt động, lịch sử giữ nguyên; tách "
            "lại được bằng $unmerge / Merge the source record into the target: everything "
            "referencing the source is re-pointed to the target, the source is deactivated, "
            "history is kept; $unmerge undoes it (R5 Patient $merge on R4)."
        ),
        url=f"{BASE}/Patient-merge",
        levels=frozenset({"type"}),
        resource_types=("Patient",),
        parameters=(
            OperationParameter("source-patient", "in", 0, "1", "Reference",
                               "Người bệnh nguồn / The source Patient"),
            OperationParameter("source-patient-identifier", "in", 0, "*", "Identifier",
                               "Định danh của người bệnh nguồn / The source's identifiers"),
            OperationParameter("target-patient", "in", 0, "1", "Reference",
                               "Người bệnh đích (giữ lại) / The target (surviving) Patient"),
            OperationParameter("target-patient-identifier", "in", 0, "*", "Identifier",
                               "Định danh của người bệnh đích / The target's identifiers"),
            OperationParameter("result-patient", "in", 0, "1", "Patient",
                               "Người bệnh đích như mong muốn sau khi gộp / The target as "
                               "it should be after the merge"),
            OperationParameter("preview", "in", 0, "1", "boolean",
                               "Chỉ xem trước, không lưu / Check only, store nothing"),
            *_RESULT_OUT,
        ),
        affects_state=True,
        methods=("POST",),
    )

    def run(self, repo: Any, ctx: OperationContext, params: OperationParams) -> dict[str, Any]:
        require_post(ctx)
        request = parse_merge(params)
        outcome = _as_server(repo, "merge", lambda server, agent: _merge(server, request, agent))
        return response(params, MERGE_IN, outcome)


def _merge(server: Session, request: MergeRequest, agent: dict[str, Any] | None
           ) -> MergeOutcome:  # fmt: skip
    # Who is who, and the merge, in the one unit of work `run_as_server` gives.
    source_id = resolve(server, request.source)
    target_id = resolve(server, request.target)
    if request.result_patient is not None:
        check_result_patient(request, source_id, target_id)
    return merge_patients(
        server, source_id, target_id, preview=request.preview,
        result_patient=request.result_patient, agent=agent, cccd_system=_cccd_system(server),
    )  # fmt: skip


# -- $unmerge ---------------------------------------------------------------------------
class Unmerge:
    DEFINITION = OperationDefinition(
        name="unmerge",
        title="Tách hồ sơ đã gộp / Undo a patient merge",
        description=(
            "Khôi phục hai hồ sơ như trước khi gộp: mọi phiên bản lần gộp đã ghi được ghi lại "
            "với nội dung trước đó; thay đổi sau khi gộp được giữ / Restore both records as "
            "they were before a merge: every version the merge wrote gets a new version with "
            "the earlier content; changes made after the merge are kept."
        ),
        url=f"{BASE}/Patient-unmerge",
        levels=frozenset({"type"}),
        resource_types=("Patient",),
        parameters=(
            OperationParameter("provenance", "in", 0, "1", "Reference",
                               "Provenance của lần gộp / The merge's Provenance"),
            OperationParameter("source-patient", "in", 0, "1", "Reference",
                               "Người bệnh nguồn đã gộp / The merged source Patient"),
            OperationParameter("target-patient", "in", 0, "1", "Reference",
                               "Người bệnh đích của lần gộp / The merge's target Patient"),
            *_RESULT_OUT,
        ),
        affects_state=True,
        methods=("POST",),
    )

    def run(self, repo: Any, ctx: OperationContext, params: OperationParams) -> dict[str, Any]:
        require_post(ctx)
        request = parse_unmerge(params)
        outcome = _as_server(
            repo, "unmerge", lambda server, agent: _unmerge(server, request, agent)
        )
        return response(params, UNMERGE_IN, outcome)


def _unmerge(
    server: Session, request: UnmergeRequest, agent: dict[str, Any] | None
) -> MergeOutcome:
    merge_id = request.merge_id
    if merge_id is not None:
        exists(server, "Provenance", merge_id, param_path("provenance", "value.reference"))
    else:
        assert request.source is not None and request.target is not None
        merge_id = find_merge(server, resolve(server, request.source),
                              resolve(server, request.target))  # fmt: skip
    return unmerge_patients(server, merge_id, agent=agent)


MERGE_OPERATIONS = (Merge(), Unmerge())  # what the composition root registers
