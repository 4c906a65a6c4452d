using Coupon.Api;
using Coupon.Api.Infrastructure;
using Coupon.Bench.LockStrategies;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
// The api's services (its Redis, Kafka and MySQL clients, campaign cache, publisher and token
// validation), so that a strategy is measured on what the real issue path has.
builder.AddApplicationServices();
builder.AddLockStrategy();

var app = builder.Build();

app.MapDefaultEndpoints(AuthorizationPolicies.Operator);
app.MapPost("/api/coupons/{campaignId:long}/issue", ComparisonIssueEndpoint.IssueAsync);

app.Run();
