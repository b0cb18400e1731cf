// TEMPORARY until the children branch lands: lets the case document validator resolve its child validators.
using FluentValidation;
namespace Registry.Api.Diagnostics { public sealed class TmpD : AbstractValidator<DiagnosticRequest> { public TmpD() { RuleFor(x => x.Kind).NotNull(); RuleFor(x => x.Result).NotNull(); } } }
namespace Registry.Api.Medications { public sealed class TmpM : AbstractValidator<MedicationRequest> { public TmpM(Registry.Api.Vocabulary.DrugCatalog c) { RuleFor(x => x.Drug).NotNull().MustAsync(async (d, ct) => d is null || await c.IsKnownAsync(d, ct)); RuleFor(x => x.Route).NotNull(); RuleFor(x => x.Setting).NotNull(); } } }
namespace Registry.Api.Outcomes { public sealed class TmpO : AbstractValidator<OutcomeRequest> { public TmpO() { RuleFor(x => x.Day).NotNull(); RuleFor(x => x.Method).NotNull(); RuleFor(x => x.Status).NotNull(); } } }
