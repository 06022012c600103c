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

    /// <summary>
    /// Tests that take minutes (a whole <c>./build.sh</c> of a copy of the repository); they also carry
    /// <see cref="Process"/>. <c>test.sh</c> runs them as a background group beside the rest.
    /// </summary>
    public const string Slow = "Slow";
}
