namespace Choria.Security.Enrollment;

/// <summary>
/// First SRV answer for a name, already ordered by priority and weight; null when nothing resolves.
/// Kept here (instead of using the connector's resolver) so Security does not depend on the connector.
/// </summary>
public interface ISrvTargetLookup
{
    ValueTask<PuppetCaEndpoint?> FirstAsync(string name, CancellationToken cancellationToken);
}
