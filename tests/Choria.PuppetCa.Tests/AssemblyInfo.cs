// Debian's puppetserver, setpriv and mount namespaces: these tests only run on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
