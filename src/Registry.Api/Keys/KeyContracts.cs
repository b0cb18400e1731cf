using FluentValidation;
using Registry.Api.Common;
using Registry.Api.Security;
using Registry.Api.Data;

namespace Registry.Api.Keys;

/// <summary>A key to create.</summary>
/// <param name="Name">Who or what uses the key, e.g. "Tiantan EHR interface".</param>
/// <param name="Role">admin, hospital or analyst.</param>
/// <param name="HospitalId">For hospital keys (and only for them): the hospital the key is bound to.</param>
public sealed record KeyRequest(string? Name, Role? Role, Guid? HospitalId);

/// <summary>A stored key, without its secret.</summary>
public sealed record KeyResponse(Guid Id, string Prefix, string Name, Role Role, Guid? HospitalId, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>A new key: <c>key</c> is shown in this response only; the registry keeps just its hash.</summary>
public sealed record CreatedKeyResponse(string Key, KeyResponse Details);

public static class KeyMapping
{
    public static KeyResponse ToResponse(this ApiKey k) =>
        new(k.Id, k.Prefix, k.Name, KebabEnum.Parse<Role>(k.Role), k.HospitalId, k.CreatedAt, k.RevokedAt);
}

public sealed class KeyRequestValidator : AbstractValidator<KeyRequest>
{
    public KeyRequestValidator()
    {
        RuleFor(k => k.Name).RequiredText(RequestLimits.ShortText);
        RuleFor(k => k.Role).Required();
        RuleFor(k => k.HospitalId).NotNull().When(k => k.Role == Role.Hospital).WithMessage("Required for a hospital key.");
        RuleFor(k => k.HospitalId).Null().When(k => k.Role is not null and not Role.Hospital).WithMessage("Only hospital keys are bound to a hospital.");
    }
}
