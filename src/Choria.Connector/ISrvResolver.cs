namespace Choria.Connector;

/// <summary>
/// Looks up SRV records. Implementations return an empty list when the name does not resolve or
/// the lookup fails: for Choria a failed lookup only means "try the next source".
/// </summary>
public interface ISrvResolver
{
    ValueTask<IReadOnlyList<SrvRecord>> ResolveAsync(string name, CancellationToken cancellationToken);
}
