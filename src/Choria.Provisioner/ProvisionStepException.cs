namespace Choria.Provisioner;

/// <summary>A provisioning step that failed; <see cref="Step"/> is the metrics label.</summary>
public sealed class ProvisionStepException(string step, string message) : Exception(message)
{
    public string Step { get; } = step;
}
