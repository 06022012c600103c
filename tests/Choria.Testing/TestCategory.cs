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
    /// Trait name of the slow groups <c>test.sh</c> runs as background jobs beside the rest
    /// (<c>--filter "Group!=mcollectived"</c> for the main run).
    /// </summary>
    public const string Group = "Group";

    /// <summary>The comparison with the real Ruby <c>mcollectived</c> and <c>mco</c> over RabbitMQ (minutes).</summary>
    public const string Mcollectived = "mcollectived";

    /// <summary>
    /// Fault scenarios through the real binaries (broker killed, partitions, floods; docs/reliability.md): each
    /// waits out outages and timeouts on purpose, so <c>test.sh</c> runs them as a background group.
    /// </summary>
    public const string Faults = "faults";

    /// <summary>
    /// The packaging group (docs/packaging.md): Native AOT builds of a custom build for linux-x64 and linux-arm64 by the
    /// packager, its packages installed and run (minutes). <c>test.sh</c> runs it as a background job.
    /// </summary>
    public const string Packaging = "packaging";

    /// <summary>
    /// Tests that take minutes (a whole <c>./build.sh</c> of a copy of the repository); they also carry
    /// <see cref="Process"/>. <c>test.sh</c> runs them as a background group beside the rest.
    /// </summary>
    public const string Slow = "Slow";
}
