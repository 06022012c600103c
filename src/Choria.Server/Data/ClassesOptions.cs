namespace Choria.Server.Data;

public sealed record ClassesOptions
{
    /// <summary>The <c>classesfile</c> value.</summary>
    public string ClassesFile { get; init; } = "/opt/puppetlabs/puppet/cache/state/classes.txt";
}
