namespace Registry.Tests.Errors;

/// <summary>
/// What the framework refuses before a handler runs (a value that does not parse, a missing body, JSON that is not
/// the contract) is answered in our words, at the field's name, and stores nothing.
/// </summary>
public sealed class BindingRefusalTests(RegistryApp app) : ApiTests(app)
{
    [Theory]
    [InlineData("/api/v1/cases?minAge=abc", "minAge", "'abc' is not a valid whole number.")]
    [InlineData("/api/v1/cases?hospitalId=not-a-uuid", "hospitalId", "'not-a-uuid' is not a valid UUID.")]
    [InlineData("/api/v1/patients?limit=ten", "limit", "'ten' is not a valid whole number.")]
    public async Task A_query_value_that_does_not_parse_is_named_with_what_was_expected(string url, string field, string message)
    {
        var errors = await (await Client.GetAsync(url)).ReadValidationProblem(field);

        Assert.Equal([message], errors.GetProperty(field).EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("", "$", "A JSON body is required.")]
    [InlineData("null", "$", "A JSON body is required.")]
    [InlineData("""{"name": "x",""", "$", "The body is not valid JSON.")]
    [InlineData("""{"name": "x", "beds": 3}""", "beds", "This field is not part of the contract; remove it.")]
    [InlineData("""{"name": 5}""", "name", "The value has the wrong JSON type for this field.")]
    [InlineData("""{"name": "x", "name": "y"}""", "name", "This field appears more than once.")]
    public async Task A_body_the_framework_refuses_is_named_in_our_words_and_stores_nothing(string body, string field, string message)
    {
        var before = await app.QuerySingleAsync<long>("SELECT count(*) FROM hospitals");

        var errors = await (await Client.PostJson("/api/v1/hospitals", body)).ReadValidationProblem(field);

        Assert.Equal([message], errors.GetProperty(field).EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(before, await app.QuerySingleAsync<long>("SELECT count(*) FROM hospitals"));
    }

    [Fact]
    public async Task A_code_outside_the_vocabulary_is_answered_with_the_allowed_codes()
    {
        var errors = await (await Client.PostJson("/api/v1/patients", """{"pseudonym": "P-1", "sex": "robot"}""")).ReadValidationProblem("sex");

        Assert.Equal(["'robot' is not an allowed value; use one of: male, female, other, unknown."],
            errors.GetProperty("sex").EnumerateArray().Select(e => e.GetString()));
    }
}
