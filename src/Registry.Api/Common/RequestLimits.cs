namespace Registry.Api.Common;

/// <summary>Caps shared by validators, the schema and Kestrel, so every layer agrees.</summary>
public static class RequestLimits
{
    public const long MaxBodyBytes = 1024 * 1024;
    public const int ShortText = 200;
    public const int LongText = 4000;
    public const int ListItems = 50;
    public const int ChildrenPerCase = 200;
    public const int MaxPageSize = 200;
    public const int DefaultPageSize = 50;
}
