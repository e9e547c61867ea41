"""deploy/infrastructure.yaml, read as data: one CloudFront distribution for the whole site,
the private static bucket behind OAC, the origin open to CloudFront only (the instance, or the
optional load balancer in front of it), and GitHub roles that only this repository's main
branch (CI) and production environment (deploys) assume."""

import pytest

from .conftest import ROOT, load_template, workflow

TEMPLATE = load_template(ROOT / "deploy" / "infrastructure.yaml")
RESOURCES = TEMPLATE["Resources"]
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


def _of_type(kind: str) -> dict[str, dict]:
    return {name: r for name, r in RESOURCES.items() if r["Type"] == kind}


def _managed(ref: dict) -> str:
    """The id behind `!FindInMap [ManagedPolicies, Cache, Name]`."""
    _, group, name = ref["Fn::FindInMap"]
    return TEMPLATE["Mappings"]["ManagedPolicies"][group][name]


def _config() -> dict:
    (distribution,) = _of_type("AWS::CloudFront::Distribution").values()
    return distribution["Properties"]["DistributionConfig"]


def _origin(origin_id: str) -> dict:
    (origin,) = [o for o in _config()["Origins"] if o["Id"] == origin_id]
    return origin


NO_VALUE = {"Ref": "AWS::NoValue"}


def _evaluate(expr, values: dict, conditions: dict):
    """A condition's value: Ref, Fn::Equals, Not, And, Or and Condition, as CloudFormation."""
    if not isinstance(expr, dict):
        return expr
    ((function, argument),) = expr.items()
    if function == "Ref":
        return values[argument]
    if function == "Fn::Condition":
        return conditions[argument]
    args = [_evaluate(a, values, conditions) for a in argument]
    operations = {
        "Fn::Equals": lambda: args[0] == args[1],
        "Fn::Not": lambda: not args[0],
        "Fn::And": lambda: all(args),
        "Fn::Or": lambda: any(args),
    }
    return operations[function]()


def _resolve(node, conditions: dict):
    """Fn::If replaced by the branch its condition picks, AWS::NoValue left out."""
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            name, when_true, when_false = node["Fn::If"]
            return _resolve(when_true if conditions[name] else when_false, conditions)
        resolved = {key: _resolve(value, conditions) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value != NO_VALUE}
    if isinstance(node, list):
        return [r for r in (_resolve(item, conditions) for item in node) if r != NO_VALUE]
    return node


def _stack(**parameters: str) -> dict:
    """The resources and outputs CloudFormation would create with these parameters (the
    others at their defaults, in sa-east-1): conditions evaluated, Fn::If resolved."""
    values = {name: p.get("Default", "") for name, p in TEMPLATE["Parameters"].items()}
    values |= {"AWS::Region": "sa-east-1", **parameters}
    conditions: dict[str, bool] = {}
    for name, expr in TEMPLATE["Conditions"].items():
        conditions[name] = _evaluate(expr, values, conditions)
    return {
        section: {
            name: _resolve(item, conditions)
            for name, item in TEMPLATE[section].items()
            if conditions.get(item.get("Condition"), True)
        }
        for section in ("Resources", "Outputs")
    }


def _stack_config(resources: dict) -> dict:
    return resources["Distribution"]["Properties"]["DistributionConfig"]


def _trust(role: str) -> dict:
    (statement,) = RESOURCES[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    return statement


def _actions(role: str) -> set[str]:
    actions = set()
    for policy in RESOURCES[role]["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            found = statement["Action"]
            actions |= {found} if isinstance(found, str) else set(found)
    return actions


def test_one_distribution_serves_the_whole_site_from_the_backend_without_caching():
    assert len(_of_type("AWS::CloudFront::Distribution")) == 1
    default = _config()["DefaultCacheBehavior"]
    assert default["TargetOriginId"] == "backend"
    assert _managed(default["CachePolicyId"]) == CACHING_DISABLED
    assert {"POST", "PUT", "PATCH", "DELETE"} <= set(default["AllowedMethods"])
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"


def test_the_backend_gets_host_cookies_csrf_authorization_and_query_strings():
    default = _config()["DefaultCacheBehavior"]
    policy_name = default["OriginRequestPolicyId"]["Ref"]
    policy = RESOURCES[policy_name]["Properties"]["OriginRequestPolicyConfig"]
    # allViewer: every viewer header, Host, X-CSRFToken and (caching off) Authorization too.
    assert policy["HeadersConfig"]["HeaderBehavior"] == "allViewer"
    assert policy["CookiesConfig"]["CookieBehavior"] == "all"
    assert policy["QueryStringsConfig"]["QueryStringBehavior"] == "all"


def test_by_default_the_backend_is_the_instance_reached_only_by_cloudfront():
    resources = _stack()["Resources"]
    (backend,) = [o for o in _stack_config(resources)["Origins"] if o["Id"] == "backend"]
    assert backend["CustomOriginConfig"]["HTTPPort"] == 8000
    assert backend["CustomOriginConfig"]["OriginProtocolPolicy"] == "http-only"
    assert "InstanceAddress" in str(backend["DomainName"])
    headers = {h["HeaderName"]: h["HeaderValue"] for h in backend["OriginCustomHeaders"]}
    assert headers == {"X-Forwarded-Proto": "https"}
    assert not [r for r in resources.values() if "ElasticLoadBalancing" in r["Type"]]
    (group,) = [r for r in resources.values() if r["Type"] == "AWS::EC2::SecurityGroup"]
    (rule,) = group["Properties"]["SecurityGroupIngress"]
    assert (rule["FromPort"], rule["ToPort"]) == (8000, 8000)
    assert rule["SourcePrefixListId"] == {"Ref": "CloudFrontPrefixListId"}
    assert "CidrIp" not in rule
    data = RESOURCES["InstanceLaunchTemplate"]["Properties"]["LaunchTemplateData"]
    (interface,) = data["NetworkInterfaces"]
    assert interface["Groups"] == [{"Ref": "WebSecurityGroup"}]
    assert data["MetadataOptions"]["HttpTokens"] == "required"


def test_static_files_come_from_the_private_bucket_through_origin_access_control():
    (static,) = _config()["CacheBehaviors"]
    assert static["PathPattern"] == "/static/*"
    assert static["TargetOriginId"] == "static"
    assert _managed(static["CachePolicyId"]) == CACHING_OPTIMIZED  # honours max-age=1 year
    origin = _origin("static")
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["StaticOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"]["OriginAccessIdentity"] == ""
    oac = RESOURCES["StaticOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (oac["SigningBehavior"], oac["SigningProtocol"]) == ("always", "sigv4")
    block = RESOURCES["StaticBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block.values())
    statements = RESOURCES["StaticBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    (read,) = [s for s in statements if s["Effect"] == "Allow"]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert read["Action"] == "s3:GetObject"
    source = read["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(":distribution/${Distribution}")


def test_viewers_get_https_with_tls_1_2_on_the_own_domain_and_security_headers():
    config = _config()
    own, default = config["ViewerCertificate"]["Fn::If"][1:]
    assert own["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert own["SslSupportMethod"] == "sni-only"
    assert default == {"CloudFrontDefaultCertificate": True}
    certificate = TEMPLATE["Parameters"]["CertificateArn"]["AllowedPattern"]
    assert ":acm:us-east-1:" in certificate
    for behavior in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
        assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
        assert behavior["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}
    policy = RESOURCES["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    hsts = policy["SecurityHeadersConfig"]["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000
    assert RESOURCES["DnsRecord"]["Condition"] == "HasZone"


def test_ci_pushes_images_only_from_this_repositorys_main_branch():
    trust = _trust("ImagePushRole")
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    condition = trust["Condition"]["StringEquals"]
    assert condition["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    assert condition["token.actions.githubusercontent.com:sub"] == {
        "Fn::Sub": "repo:${GitHubRepository}:ref:refs/heads/${GitHubBranch}"
    }
    assert "*" not in str(condition)
    assert TEMPLATE["Parameters"]["GitHubBranch"]["Default"] == "main"
    assert "ecr:PutImage" in _actions("ImagePushRole")
    assert not {a for a in _actions("ImagePushRole") if not a.startswith("ecr:")}


def test_deploys_come_only_from_the_production_environment_and_cannot_push_images():
    condition = _trust("DeployRole")["Condition"]["StringEquals"]
    assert condition["token.actions.githubusercontent.com:sub"] == {
        "Fn::Sub": "repo:${GitHubRepository}:environment:${GitHubEnvironment}"
    }
    actions = _actions("DeployRole")
    assert {"ecr:DescribeImages", "codedeploy:CreateDeployment"} <= actions
    assert {"cloudfront:CreateInvalidation", "s3:PutObject"} <= actions
    assert not actions & {"ecr:PutImage", "ecr:InitiateLayerUpload", "*", "s3:*", "iam:*"}
    assert {job["environment"] for job in _deploy_jobs_with_aws()} == {"production"}


def _deploy_jobs_with_aws() -> list[dict]:
    jobs = []
    for name in ("deploy.yml", "deploy-lambda.yml"):
        for job in workflow(name)["jobs"].values():
            if any("configure-aws" in s.get("uses", "") for s in job.get("steps", [])):
                jobs.append(job)
    assert jobs
    return jobs


def test_codedeploy_targets_the_instance_tag_and_rolls_back_by_itself():
    group = RESOURCES["DeploymentGroup"]["Properties"]
    rollback = group["AutoRollbackConfiguration"]
    assert rollback["Enabled"] is True
    assert "DEPLOYMENT_FAILURE" in rollback["Events"]
    (tag_filter,) = group["Ec2TagFilters"]
    instance_tags = {t["Key"]: t["Value"] for t in RESOURCES["Instance"]["Properties"]["Tags"]}
    assert instance_tags[tag_filter["Key"]] == tag_filter["Value"]


def test_image_tags_are_immutable_so_a_commit_names_one_digest():
    for name in ("WebRepository", "WorkerRepository"):
        assert RESOURCES[name]["Properties"]["ImageTagMutability"] == "IMMUTABLE"


@pytest.mark.parametrize(
    "output",
    [
        "AwsRoleArn", "EcrPushRoleArn", "EcrWebRepository", "EcrWorkerRepository",
        "CodeDeployApplication", "CodeDeployDeploymentGroup", "CodeDeployBucket",
        "StaticBucket", "CloudFrontDistributionId", "SiteUrl",
    ],
)  # fmt: skip
def test_every_value_the_workflows_read_is_an_output(output):
    assert output in TEMPLATE["Outputs"]


def test_the_stack_is_linted_in_the_static_checks():
    checks = (ROOT / "scripts" / "checks.sh").read_text()
    assert "scripts/lint_sam.sh deploy/infrastructure.yaml" in checks


# --- The optional load balancer (UseLoadBalancer) --------------------------------------------
WITH_ALB = {"UseLoadBalancer": "true", "LoadBalancerSubnetIds": "subnet-1,subnet-2"}
WITH_ALB_HTTPS = WITH_ALB | {
    "DomainName": "shop.example.cl",
    "CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/viewer",
    "LoadBalancerCertificateArn": "arn:aws:acm:sa-east-1:123456789012:certificate/origin",
}
ALB_RESOURCES = {
    "LoadBalancer",
    "LoadBalancerListener",
    "WebTargetGroup",
    "LoadBalancerSecurityGroup",
}


def _backend_origin(resources: dict) -> dict:
    (backend,) = [o for o in _stack_config(resources)["Origins"] if o["Id"] == "backend"]
    return backend


def _ingress(resources: dict, group: str) -> list[dict]:
    return resources[group]["Properties"]["SecurityGroupIngress"]


def test_the_load_balancer_is_off_by_default_and_its_resources_exist_only_when_on():
    assert TEMPLATE["Parameters"]["UseLoadBalancer"]["Default"] == "false"
    assert TEMPLATE["Conditions"]["UseAlb"] == {"Fn::Equals": [{"Ref": "UseLoadBalancer"}, "true"]}
    for name in ALB_RESOURCES:
        assert RESOURCES[name]["Condition"] == "UseAlb", name
    assert not ALB_RESOURCES & set(_stack()["Resources"])
    assert set(_stack(**WITH_ALB)["Resources"]) >= ALB_RESOURCES
    alb = _stack(**WITH_ALB)["Resources"]["LoadBalancer"]["Properties"]
    assert alb["Scheme"] == "internet-facing"
    assert alb["Subnets"] == {"Ref": "LoadBalancerSubnetIds"}
    (rule,) = TEMPLATE["Rules"]["LoadBalancerNeedsSubnets"]["Assertions"]
    assert rule["Assert"] == {"Fn::Not": [{"Fn::Contains": [{"Ref": "LoadBalancerSubnetIds"}, ""]}]}


def test_with_the_load_balancer_cloudfront_reaches_it_instead_of_the_instance():
    backend = _backend_origin(_stack(**WITH_ALB)["Resources"])
    assert backend["DomainName"] == {"Fn::GetAtt": ["LoadBalancer", "DNSName"]}
    assert backend["CustomOriginConfig"]["HTTPPort"] == 80
    assert backend["CustomOriginConfig"]["OriginProtocolPolicy"] == "http-only"
    listener = _stack(**WITH_ALB)["Resources"]["LoadBalancerListener"]["Properties"]
    assert (listener["Protocol"], listener["Port"]) == ("HTTP", 80)
    assert listener["DefaultActions"] == [
        {"Type": "forward", "TargetGroupArn": {"Ref": "WebTargetGroup"}}
    ]


def test_with_an_origin_certificate_cloudfront_reaches_the_load_balancer_over_https():
    resources = _stack(**WITH_ALB_HTTPS)["Resources"]
    assert _backend_origin(resources)["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    listener = resources["LoadBalancerListener"]["Properties"]
    assert (listener["Protocol"], listener["Port"]) == ("HTTPS", 443)
    assert listener["Certificates"] == [{"CertificateArn": {"Ref": "LoadBalancerCertificateArn"}}]
    assert "TLS13" in listener["SslPolicy"]
    (rule,) = _ingress(resources, "LoadBalancerSecurityGroup")
    assert (rule["FromPort"], rule["ToPort"]) == (443, 443)
    # Without the viewer's domain, CloudFront could not match the listener's certificate.
    without_domain = WITH_ALB | {
        "LoadBalancerCertificateArn": WITH_ALB_HTTPS["LoadBalancerCertificateArn"]
    }
    assert (
        "Certificates"
        not in _stack(**without_domain)["Resources"]["LoadBalancerListener"]["Properties"]
    )


def test_the_load_balancer_admits_cloudfront_only_and_the_instance_the_load_balancer_only():
    resources = _stack(**WITH_ALB)["Resources"]
    (from_cloudfront,) = _ingress(resources, "LoadBalancerSecurityGroup")
    assert from_cloudfront["SourcePrefixListId"] == {"Ref": "CloudFrontPrefixListId"}
    assert (from_cloudfront["FromPort"], from_cloudfront["ToPort"]) == (80, 80)
    assert not {"CidrIp", "CidrIpv6", "SourceSecurityGroupId"} & set(from_cloudfront)
    (egress,) = resources["LoadBalancerSecurityGroup"]["Properties"]["SecurityGroupEgress"]
    assert (egress["FromPort"], egress["ToPort"]) == (8000, 8000)
    (to_web,) = _ingress(resources, "WebSecurityGroup")
    assert to_web["SourceSecurityGroupId"] == {"Ref": "LoadBalancerSecurityGroup"}
    assert (to_web["FromPort"], to_web["ToPort"]) == (8000, 8000)
    assert not {"CidrIp", "CidrIpv6", "SourcePrefixListId"} & set(to_web)


def test_the_target_group_checks_the_instances_health_where_the_deploy_does():
    group = _stack(**WITH_ALB)["Resources"]["WebTargetGroup"]["Properties"]
    assert group["HealthCheckPath"] == "/api/v1/health/"
    assert group["Matcher"] == {"HttpCode": "200"}
    assert (group["Protocol"], group["Port"]) == ("HTTP", 8000)
    assert group["Targets"] == [{"Id": {"Ref": "Instance"}, "Port": 8000}]
    assert "/api/v1/health/" in (ROOT / "deploy" / "validate.sh").read_text()
    # Probed over plain HTTP: the health check must not be redirected to HTTPS.
    assert (
        'SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/?$"]'
        in (ROOT / "ticketseller" / "settings.py").read_text()
    )


def test_codedeploy_takes_the_instance_out_of_the_target_group_only_with_the_load_balancer():
    group = _stack(**WITH_ALB)["Resources"]["DeploymentGroup"]["Properties"]
    assert group["LoadBalancerInfo"] == {
        "TargetGroupInfoList": [{"Name": {"Fn::GetAtt": ["WebTargetGroup", "TargetGroupName"]}}]
    }
    assert group["DeploymentStyle"] == {
        "DeploymentType": "IN_PLACE",
        "DeploymentOption": "WITH_TRAFFIC_CONTROL",
    }
    assert group["AutoRollbackConfiguration"]["Enabled"] is True
    without = _stack()["Resources"]["DeploymentGroup"]["Properties"]
    assert not {"LoadBalancerInfo", "DeploymentStyle"} & set(without)


def test_the_load_balancers_name_and_the_instances_private_address_are_outputs_when_on():
    outputs = _stack(**WITH_ALB)["Outputs"]
    assert outputs["LoadBalancerDnsName"]["Value"] == {"Fn::GetAtt": ["LoadBalancer", "DNSName"]}
    assert outputs["InstancePrivateIp"]["Value"] == {"Fn::GetAtt": ["Instance", "PrivateIp"]}
    assert not {"LoadBalancerDnsName", "InstancePrivateIp"} & set(_stack()["Outputs"])
