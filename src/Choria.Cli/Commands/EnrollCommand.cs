using System.CommandLine;
using Choria.Cli.Hosting;
using Choria.Config;
using Choria.Framework;
using Choria.Framework.Logging;
using Choria.Security.Enrollment;

namespace Choria.Cli.Commands;

/// <summary><c>choria enroll [--certname NAME]</c>: obtains a certificate from the Puppet CA (docs/client.md, docs/security.md).</summary>
public static class EnrollCommand
{
    public static Command Create()
    {
        var certname = new Option<string?>("--certname") { Description = "The certificate name to use" };
        var cmd = new Command("enroll", "Enroll with the Security System (Puppet CA)");
        cmd.Options.Add(certname);
        cmd.SetAction(async (parse, ct) => await CliRuntime.RunAsync(parse, async ct2 =>
        {
            var output = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var config = CliRuntime.LoadConfig(parse, ConfigRole.Client);
            var loggers = ChoriaLogging.CreateFactory(config, parse.GetValue(GlobalOptions.Debug), Microsoft.Extensions.Logging.LogLevel.Warning);

            // Security files do not exist yet: enrolling is what creates them.
            using var framework = await ChoriaFramework.CreateAsync(config, loggers, verifySecurityFiles: false, parse.GetValue(certname), ct2);
            var name = framework.Certname;
            try
            {
                var enroller = await PuppetCaEnrollment.CreateAsync(config, framework.Security, loggers, srv: null, ct2);
                if (enroller.IsEnrolled)
                {
                    throw new EnrollmentException($"already enrolled as {name}, the key, CA and certificate all exist");
                }

                await output.WriteLineAsync($"Enrolling with the Security System using certname {name}");
                await enroller.EnrollAsync(
                    attempt => output.WriteLine($"Attempting to download certificate for {name}, try {attempt}."),
                    // Puppet agent's wording: the CA admin compares it with 'puppetserver ca list' before signing.
                    fingerprint => output.WriteLine($"Certificate Request fingerprint (SHA256): {fingerprint}"),
                    ct2);
            }
            catch (EnrollmentException e)
            {
                await stderr.WriteLineAsync($"choria: error: Could not enroll: {e.Message}");
                return 1;
            }

            return 0;
        }, ct));
        return cmd;
    }
}
