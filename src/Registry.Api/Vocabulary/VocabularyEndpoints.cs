namespace Registry.Api.Vocabulary;

public static class VocabularyEndpoints
{
    public static IEndpointRouteBuilder MapVocabulary(this IEndpointRouteBuilder routes) => routes; // TODO
}
