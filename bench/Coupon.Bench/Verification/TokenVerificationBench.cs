using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Coupon.Core.Auth;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Coupon.Bench.Verification;

// What verifying a user's token costs the api on every issue request, per algorithm, on one
// thread of this process: the api's own validation parameters (TokenTrust) with RS256, and the
// same parameters and claims with the single HS256 key the api had before and with ES256.
// Rounds alternate the algorithms so that the machine's drift hits each alike; the figure is
// the median round's process CPU per verification (`Coupon.Bench token-verification`).
public static class TokenVerificationBench
{
    public const string Command = "token-verification";

    private const int TokensPerRound = 20_000;
    private const int Rounds = 5;

    // The api's JwtBearer setting (Coupon.Api/Extensions.cs).
    private static readonly TimeSpan ApiClockSkew = TimeSpan.FromSeconds(30);

    private sealed record Algorithm(string Name, string[] Tokens, TokenValidationParameters Parameters);

    public static async Task RunAsync(TextWriter output)
    {
        var users = TokenSigning.ForUsers(TokenSigning.GenerateKey());
        var trust = new TokenTrust(users.PublicKey, TokenSigning.PublicKeyOf(TokenSigning.GenerateKey()));
        output.WriteLine($"Minting {TokensPerRound:N0} RS256 user tokens ...");
        var minting = Stopwatch.StartNew();
        var rs256 = Enumerable.Range(0, TokensPerRound)
            .Select(i => users.CreateUserToken(BenchOutput.FirstUserId + i, TimeSpan.FromHours(1)))
            .ToArray();
        output.WriteLine($"Minted in {minting.Elapsed.TotalSeconds:F1} s ({minting.Elapsed.TotalMicroseconds / TokensPerRound:F0} µs a token).");

        Algorithm[] algorithms =
        [
            Resigned("HS256 (before: one shared key)", rs256, trust,
                new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)), SecurityAlgorithms.HmacSha256),
            new("RS256, 2048-bit (now)", rs256, trust.ValidationParameters(ApiClockSkew)),
            Resigned("ES256, P-256 (not chosen)", rs256, trust,
                new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)), SecurityAlgorithms.EcdsaSha256),
        ];

        // JwtBearer's handler, as the api has it (inbound claim mapping on).
        var handler = new JsonWebTokenHandler { MapInboundClaims = true };
        var perToken = algorithms.ToDictionary(algorithm => algorithm.Name, _ => new List<(double Cpu, double Wall)>());
        foreach (var algorithm in algorithms)
            await VerifyAllAsync(handler, algorithm); // warm-up: the JIT and the key caches
        for (var round = 1; round <= Rounds; round++)
        {
            foreach (var algorithm in algorithms)
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                await VerifyAllAsync(handler, algorithm);
                var spent = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                perToken[algorithm.Name].Add((spent.TotalMicroseconds / TokensPerRound, wall.Elapsed.TotalMicroseconds / TokensPerRound));
            }
            output.WriteLine($"Round {round}/{Rounds}: " + string.Join(", ",
                algorithms.Select(algorithm => $"{algorithm.Name.Split(' ')[0]} {perToken[algorithm.Name][^1].Cpu:F1} µs")));
        }

        var hs256 = Median(perToken[algorithms[0].Name].Select(sample => sample.Cpu));
        var table = new StringBuilder()
            .AppendLine()
            .AppendLine($"Token verification, {TokensPerRound:N0} distinct user tokens × {Rounds} rounds, one thread, median round:")
            .AppendLine()
            .AppendLine("| algorithm | CPU per verification | wall per verification | CPU vs HS256 |")
            .AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var algorithm in algorithms)
        {
            var cpu = Median(perToken[algorithm.Name].Select(sample => sample.Cpu));
            var wall = Median(perToken[algorithm.Name].Select(sample => sample.Wall));
            table.AppendLine(CultureInfo.InvariantCulture, $"| {algorithm.Name} | {cpu:F1} µs | {wall:F1} µs | {cpu / hs256:F1}× |");
        }
        output.Write(table);
    }

    // The same header claims and payload signed with another key: only the signature differs.
    private static Algorithm Resigned(string name, string[] tokens, TokenTrust trust, SecurityKey key, string algorithm)
    {
        key.KeyId = TokenSigning.UserIssuer;
        var handler = new JsonWebTokenHandler();
        var credentials = new SigningCredentials(key, algorithm);
        var parameters = trust.ValidationParameters(ApiClockSkew);
        parameters.IssuerSigningKeys = [key];
        parameters.ValidAlgorithms = [algorithm];
        return new(name, [.. tokens.Select(token => handler.CreateToken(Base64UrlEncoder.Decode(token.Split('.')[1]), credentials))], parameters);
    }

    private static async Task VerifyAllAsync(JsonWebTokenHandler handler, Algorithm algorithm)
    {
        foreach (var token in algorithm.Tokens)
        {
            var result = await handler.ValidateTokenAsync(token, algorithm.Parameters);
            if (!result.IsValid)
                throw new InvalidOperationException($"{algorithm.Name}: a token did not verify: {result.Exception?.Message}");
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
