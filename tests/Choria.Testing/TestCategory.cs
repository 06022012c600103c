namespace Choria.Testing;

/// <summary>
/// Trait names for <c>dotnet test --filter</c>. Test classes that start real processes (nats-server, choria, a
/// broker) carry <c>[Trait(TestCategory.Name, TestCategory.Process)]</c>, so the fast tests run alone with
/// <c>--filter "Category!=Process"</c> (CONTRIBUTING.md).
/// </summary>
public static class TestCategory
{
    public const string Name = "Category";

    public const string Process = "Process";
}
