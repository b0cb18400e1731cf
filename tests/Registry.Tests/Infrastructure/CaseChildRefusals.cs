namespace Registry.Tests.Infrastructure;

public static class CaseChildRefusals
{
    /// <summary>
    /// Posts a child (JSON text, or an object to serialize) to a new case's route for <paramref name="plural"/>:
    /// asserts a 400 naming each of <paramref name="paths"/> and that no child of that kind was stored.
    /// </summary>
    public static async Task<JsonElement> AssertChildRefusedAsync(this RegistryApp app, HttpClient client, string plural, object body, params string[] paths)
    {
        var @case = await app.InsertCaseAsync();
        HttpContent content = body is string json
            ? new StringContent(json, Encoding.UTF8, "application/json")
            : JsonContent.Create(body, body.GetType(), options: RegistryApp.Json);

        var errors = await (await client.PostAsync($"/api/v1/cases/{@case.CaseId}/{plural}", content)).ReadValidationProblem(paths);

        Assert.Equal(0, await app.QuerySingleAsync<long>($"SELECT count(*) FROM {plural} WHERE case_id = @id", new { id = @case.CaseId }));
        return errors;
    }
}
