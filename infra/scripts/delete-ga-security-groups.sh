#!/bin/bash
# delete-ga-security-groups.sh ACCELERATOR_NAME REGION...
#
# With client IP preservation, AWS creates a security group named GlobalAccelerator in each
# origin VPC and never deletes it, so `npm run destroy -w infra` stops at the VPCs with
# DependencyViolation. This deletes that group in the VPC named <ACCELERATOR_NAME>-<REGION>-vpc
# of each region. Global Accelerator releases its network interfaces in the VPC some minutes
# after the endpoint groups are gone, and until then the deletion fails with DependencyViolation:
# that error is retried (every ATTEMPT_DELAY seconds, ATTEMPTS times); any other fails at once.
set -euo pipefail
attempts=${ATTEMPTS:-30}
delay=${ATTEMPT_DELAY:-20}
if [ "$#" -lt 2 ]; then
  echo "usage: delete-ga-security-groups.sh ACCELERATOR_NAME REGION..." >&2
  exit 2
fi
name=$1
shift
for region in "$@"; do
  vpc=$(aws ec2 describe-vpcs --region "$region" --filters "Name=tag:Name,Values=$name-$region-vpc" --query 'Vpcs[0].VpcId' --output text)
  if [ "$vpc" = None ] || [ -z "$vpc" ]; then
    echo "$region: no VPC $name-$region-vpc (already gone)"
    continue
  fi
  sg=$(aws ec2 describe-security-groups --region "$region" --filters "Name=vpc-id,Values=$vpc" "Name=group-name,Values=GlobalAccelerator" --query 'SecurityGroups[0].GroupId' --output text)
  if [ "$sg" = None ] || [ -z "$sg" ]; then
    echo "$region: no GlobalAccelerator security group in $vpc"
    continue
  fi
  attempt=1
  until err=$(aws ec2 delete-security-group --region "$region" --group-id "$sg" 2>&1 >/dev/null); do
    if [[ "$err" != *DependencyViolation* ]]; then
      echo "$region: deleting $sg failed: $err" >&2
      exit 1
    fi
    if [ "$attempt" -ge "$attempts" ]; then
      echo "$region: $sg is still in use after $attempts attempts (Global Accelerator has not released its network interfaces): run this again later" >&2
      exit 1
    fi
    echo "$region: $sg still in use by Global Accelerator's network interfaces; again in $delay s ($attempt/$attempts)"
    sleep "$delay"
    attempt=$((attempt + 1))
  done
  echo "$region: deleted $sg (GlobalAccelerator) in $vpc"
done
