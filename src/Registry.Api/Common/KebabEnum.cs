using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Api.Common;

/// <summary>
/// Enum values travel and are stored as lower-case kebab strings ("mouth-corner", "in-person").
/// One table per enum type, built once, serves JSON, the database and the vocabulary endpoint.
/// </summary>
public static class KebabEnum
{
    public static string ToCode<T>(this T value) where T : struct, Enum => Codes<T>.ToCode[value];

    public static T Parse<T>(string code) where T : struct, Enum =>
        Codes<T>.FromCode.TryGetValue(code, out var value)
            ? value
            : throw new InvalidOperationException($"'{code}' is not a known {typeof(T).Name} code.");

    public static bool TryParse<T>(string code, out T value) where T : struct, Enum =>
        Codes<T>.FromCode.TryGetValue(code, out value);

    public static IReadOnlyList<string> AllCodes<T>() where T : struct, Enum => Codes<T>.All;

    /// <summary>The code of one enum member: its [JsonStringEnumMemberName] if it has one, else its kebab-cased name.</summary>
    public static string CodeOf(Type enumType, string memberName) =>
        enumType.GetField(memberName)?.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
        ?? JsonNamingPolicy.KebabCaseLower.ConvertName(memberName);

    public static List<string> ToCodes<T>(this IEnumerable<T> values) where T : struct, Enum =>
        values.Select(v => v.ToCode()).ToList();

    public static List<T> ParseAll<T>(this IEnumerable<string> codes) where T : struct, Enum =>
        codes.Select(Parse<T>).ToList();

    private static class Codes<T> where T : struct, Enum
    {
        public static readonly FrozenDictionary<T, string> ToCode =
            Enum.GetValues<T>().ToFrozenDictionary(v => v, v => CodeOf(typeof(T), v.ToString()));

        public static readonly FrozenDictionary<string, T> FromCode =
            ToCode.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

        public static readonly string[] All = ToCode.Values.ToArray();
    }
}

/// <summary>Reads and writes enums as kebab codes; an unknown code fails with the list of allowed ones.</summary>
public sealed class KebabEnumConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(KebabEnumConverter<>).MakeGenericType(typeToConvert))!;

    private sealed class KebabEnumConverter<T> : JsonConverter<T> where T : struct, Enum
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.String && KebabEnum.TryParse<T>(reader.GetString()!, out var value))
                return value;
            var given = reader.TokenType == JsonTokenType.String ? $"'{reader.GetString()}'" : reader.TokenType.ToString().ToLowerInvariant();
            throw new NotAnAllowedValueException($"{given} is not an allowed value; use one of: {string.Join(", ", KebabEnum.AllCodes<T>())}.");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToCode());
    }
}

/// <summary>A JSON value outside a field's allowed codes; its message is written for the client and answered as it is.</summary>
public sealed class NotAnAllowedValueException(string message) : JsonException(message);
