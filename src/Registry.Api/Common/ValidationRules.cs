using FluentValidation;

namespace Registry.Api.Common;

/// <summary>The rules the registry's validators share, each with a message a client can act on.</summary>
public static class ValidationRules
{
    // PostgreSQL text and jsonb cannot hold U+0000, so every text rule refuses it up front (a 400, not a database error).
    private const string NulMessage = "Must not contain the NUL character (U+0000).";

    public static IRuleBuilderOptions<T, string?> RequiredText<T>(this IRuleBuilder<T, string?> rule, int maxLength) =>
        rule.Must(s => !string.IsNullOrWhiteSpace(s)).WithMessage("Required; must not be empty.")
            .Must(s => s is null || s.Length <= maxLength).WithMessage($"At most {maxLength} characters.")
            .Must(s => s is null || !s.Contains('\0')).WithMessage(NulMessage);

    public static IRuleBuilderOptions<T, string?> OptionalText<T>(this IRuleBuilder<T, string?> rule, int maxLength) =>
        rule.Must(s => s is null || !string.IsNullOrWhiteSpace(s)).WithMessage("Must not be blank; leave it out instead.")
            .Must(s => s is null || s.Length <= maxLength).WithMessage($"At most {maxLength} characters.")
            .Must(s => s is null || !s.Contains('\0')).WithMessage(NulMessage);

    public static IRuleBuilderOptions<T, TValue?> Required<T, TValue>(this IRuleBuilder<T, TValue?> rule) where TValue : struct =>
        rule.NotNull().WithMessage("Required.");

    public static IRuleBuilderOptions<T, TValue?> RequiredRef<T, TValue>(this IRuleBuilder<T, TValue?> rule) where TValue : class =>
        rule.NotNull().WithMessage("Required.");

    public static IRuleBuilderOptions<T, int?> Day<T>(this IRuleBuilder<T, int?> rule) =>
        rule.InclusiveBetween(0, 36500).WithMessage("A day offset from admission (day 0): 0 to 36500.");

    public static IRuleBuilderOptions<T, string?> ValidPartialDate<T>(this IRuleBuilder<T, string?> rule, TimeProvider clock) =>
        rule.Must(s => s is null || PartialDate.TryParse(s, out _))
                .WithMessage($"Must be a real date written {PartialDate.Format}.")
            .Must(s => s is null || !PartialDate.TryParse(s, out var d) || d.IsNotInFuture(clock))
                .WithMessage("Must not be in the future.");

    /// <summary>A list of free-text entries: capped in count and length, no blank entries.</summary>
    public static IRuleBuilderOptions<T, List<string>?> TextList<T>(this IRuleBuilder<T, List<string>?> rule, int maxItems = RequestLimits.ListItems, int maxLength = 500) =>
        rule.Must(l => l is null || l.Count <= maxItems).WithMessage($"At most {maxItems} entries.")
            .Must(l => l is null || l.All(s => !string.IsNullOrWhiteSpace(s) && s.Length <= maxLength))
            .WithMessage($"Entries must be non-blank and at most {maxLength} characters.")
            .Must(l => l is null || l.All(s => s is null || !s.Contains('\0'))).WithMessage("Entries must not contain the NUL character (U+0000).");

    public static IRuleBuilderOptions<T, List<TItem>?> MaxItems<T, TItem>(this IRuleBuilder<T, List<TItem>?> rule, int maxItems = RequestLimits.ListItems) =>
        rule.Must(l => l is null || l.Count <= maxItems).WithMessage($"At most {maxItems} entries.");
}
