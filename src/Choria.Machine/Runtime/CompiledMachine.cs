using Choria.Machine.Manifest;

namespace Choria.Machine.Runtime;

/// <summary>
/// An autonomous agent compiled into the binary (plugin kind 7, docs/plugins.md): its manifest, as a
/// <c>machine.yaml</c> would hold it. The server runs it beside the store's machines in <c>STORE/NAME</c>, a
/// directory it creates and owns; it is never reloaded or stopped by the store scan.
/// </summary>
public sealed class CompiledMachine
{
    /// <param name="manifestYaml">The manifest; checked at once so a bad one stops the binary at start-up naming the plugin.</param>
    public CompiledMachine(string manifestYaml)
    {
        ArgumentNullException.ThrowIfNull(manifestYaml);
        ManifestYaml = manifestYaml;
        Manifest = ManifestLoader.Parse(manifestYaml);
    }

    public string ManifestYaml { get; }

    public MachineManifest Manifest { get; }

    public string Name => Manifest.Name;
}
